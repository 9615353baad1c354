def test_officer_can_sign_in_and_reach_home(client, make, login):
    dept = make.department()
    officer = make.officer(dept)
    response = login(officer)
    assert response.headers["Location"].endswith("/home")
    page = client.get("/home", follow_redirects=True)
    assert page.status_code == 200
    assert b"Find a peer supporter" in page.data  # an officer lands on peer search


def test_chief_signs_in_with_totp(client, make, login):
    dept = make.department()
    chief = make.officer(dept, chief=True)
    login(chief)
    page = client.get("/department/")
    assert page.status_code == 200
    assert dept.name.encode() in page.data
